"""``reference-images``: the real-image ceiling; returns the concept's training photos."""

from methods.reference_images.method import ReferenceImages, ReferenceImagesState, square_resize

__all__ = ["ReferenceImages", "ReferenceImagesState", "square_resize"]
