"""MAGVIT-v2 image tokenizer (encoder, lookup-free quantiser, decoder), written for this project.

Module and parameter names follow the published ``showlab/magvitv2`` checkpoint
(``encoder.conv_in``, ``encoder.down.N.block.M.norm1``, ``encoder.mid.attn_1.q``,
``encoder.quant_conv``, ``decoder.post_quant_conv``, ``decoder.up.N.upsample.conv``,
``quantize.embedding`` ...) so its state dict loads without renaming. Images are tensors in
[-1, 1]; codes are integers in [0, 2**z_channels).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from methods.showo.config import MagvitConfig


def _norm(channels: int, groups: int) -> nn.GroupNorm:
    return nn.GroupNorm(num_groups=groups, num_channels=channels, eps=1e-6, affine=True)


def _swish(x: torch.Tensor) -> torch.Tensor:
    """x * sigmoid(x), written as the published code writes it (``F.silu`` rounds differently)."""
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    """Two 3x3 convolutions with GroupNorm and SiLU, plus a 1x1 shortcut when widths differ."""

    def __init__(self, cin: int, cout: int, groups: int) -> None:
        super().__init__()
        self.norm1 = _norm(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = _norm(cout, groups)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(_swish(self.norm1(x)))
        h = self.conv2(self.dropout(_swish(self.norm2(h))))
        skip = x if self.nin_shortcut is None else self.nin_shortcut(x)
        return skip + h


class AttnBlock(nn.Module):
    """Single-head spatial self-attention with 1x1 convolutions for q, k, v and the output.

    Computed with explicit ``bmm`` and softmax in the published order, so that decoded pixels are
    the published code's bits (they are saved truncated to uint8, where a last-bit difference
    can move a value across an integer).
    """

    def __init__(self, channels: int, groups: int) -> None:
        super().__init__()
        self.norm = _norm(channels, groups)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        y = self.norm(x)
        q = self.q(y).reshape(b, c, h * w).permute(0, 2, 1)
        k = self.k(y).reshape(b, c, h * w)
        weights = torch.softmax(torch.bmm(q, k) * (int(c) ** (-0.5)), dim=2)
        out = torch.bmm(self.v(y).reshape(b, c, h * w), weights.permute(0, 2, 1))
        return x + self.proj_out(out.reshape(b, c, h, w))


class Downsample(nn.Module):
    """Stride-2 3x3 convolution after padding right and bottom by one."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    """Nearest-neighbour x2 upsampling followed by a 3x3 convolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class _Mid(nn.Module):
    def __init__(self, channels: int, groups: int) -> None:
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels, groups)
        self.attn_1 = AttnBlock(channels, groups)
        self.block_2 = ResnetBlock(channels, channels, groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block_2(self.attn_1(self.block_1(x)))


class _Level(nn.Module):
    """One resolution level: residual blocks, optional attention, optional resampling."""

    def __init__(self, blocks: list[nn.Module], attn: list[nn.Module]) -> None:
        super().__init__()
        self.block = nn.ModuleList(blocks)
        self.attn = nn.ModuleList(attn)

    def run(self, h: torch.Tensor) -> torch.Tensor:
        for i, block in enumerate(self.block):
            h = block(h)
            if len(self.attn) > 0:
                h = self.attn[i](h)
        return h


class Encoder(nn.Module):
    """Image [-1, 1] (B, 3, H, W) -> latent (B, z_channels, H/f, W/f)."""

    def __init__(self, cfg: MagvitConfig) -> None:
        super().__init__()
        g = cfg.norm_groups
        self.conv_in = nn.Conv2d(cfg.in_ch, cfg.ch, 3, padding=1)
        mults = (1, *cfg.encoder_ch_mult)
        res = cfg.resolution
        self.down = nn.ModuleList()
        cin = cfg.ch
        for level, mult in enumerate(cfg.encoder_ch_mult):
            cin = cfg.ch * mults[level]
            cout = cfg.ch * mult
            blocks, attn = [], []
            for _ in range(cfg.encoder_num_res_blocks[level]):
                blocks.append(ResnetBlock(cin, cout, g))
                cin = cout
                if res in cfg.attn_resolutions:
                    attn.append(AttnBlock(cin, g))
            stage = _Level(blocks, attn)
            if level != len(cfg.encoder_ch_mult) - 1:
                stage.downsample = Downsample(cin)
                res //= 2
            self.down.append(stage)
        self.mid = _Mid(cin, g)
        self.norm_out = _norm(cin, g)
        self.conv_out = nn.Conv2d(cin, cfg.z_channels, 3, padding=1)
        self.quant_conv = nn.Conv2d(cfg.z_channels, cfg.z_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)
        for stage in self.down:
            h = stage.run(h)
            if hasattr(stage, "downsample"):
                h = stage.downsample(h)
        h = self.conv_out(_swish(self.norm_out(self.mid(h))))
        return self.quant_conv(h)


class Decoder(nn.Module):
    """Quantised latent (B, z_channels, h, w) -> image in about [-1, 1]."""

    def __init__(self, cfg: MagvitConfig) -> None:
        super().__init__()
        g = cfg.norm_groups
        levels = len(cfg.decoder_ch_mult)
        cin = cfg.ch * cfg.decoder_ch_mult[-1]
        res = cfg.resolution // 2 ** (levels - 1)
        self.post_quant_conv = nn.Conv2d(cfg.z_channels, cfg.z_channels, 1)
        self.conv_in = nn.Conv2d(cfg.z_channels, cin, 3, padding=1)
        self.mid = _Mid(cin, g)
        stages: list[_Level] = []
        for level in reversed(range(levels)):
            cout = cfg.ch * cfg.decoder_ch_mult[level]
            blocks, attn = [], []
            for _ in range(cfg.decoder_num_res_blocks[level]):
                blocks.append(ResnetBlock(cin, cout, g))
                cin = cout
                if res in cfg.attn_resolutions:
                    attn.append(AttnBlock(cin, g))
            stage = _Level(blocks, attn)
            if level != 0:
                stage.upsample = Upsample(cin)
                res *= 2
            stages.insert(0, stage)
        self.up = nn.ModuleList(stages)
        self.norm_out = _norm(cin, g)
        self.conv_out = nn.Conv2d(cin, cfg.out_ch, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.mid(self.conv_in(self.post_quant_conv(z)))
        for level in reversed(range(len(self.up))):
            stage = self.up[level]
            h = stage.run(h)
            if hasattr(stage, "upsample"):
                h = stage.upsample(h)
        return self.conv_out(_swish(self.norm_out(h)))


class LookupFreeQuantizer(nn.Module):
    """Lookup-free quantisation: each latent channel is a bit (sign), the code is the bit string.

    ``embedding`` (codebook_size x bits, entries +-1, most significant bit first) and
    ``power_vals`` (2**(bits-1) .. 1) are buffers, as in the published checkpoint.
    """

    def __init__(self, bits: int) -> None:
        super().__init__()
        self.bits = bits
        powers = 2 ** torch.arange(bits - 1, -1, -1)
        codes = torch.arange(2**bits)
        table = ((codes[:, None] // powers[None, :]) % 2).float() * 2 - 1
        self.register_buffer("embedding", table)
        self.register_buffer("power_vals", powers)

    def codes(self, z: torch.Tensor) -> torch.Tensor:
        """Latent (B, bits, h, w) -> codes (B, h*w), row-major."""
        on = (z > 0).to(torch.long)
        idx = (on * self.power_vals.to(torch.long).view(1, -1, 1, 1)).sum(1)
        return idx.reshape(z.shape[0], -1)

    def lookup(self, codes: torch.Tensor, side: int) -> torch.Tensor:
        """Codes (B, side*side) -> quantised latent (B, bits, side, side)."""
        z = self.embedding[codes.reshape(-1)].view(codes.shape[0], side, side, self.bits)
        return z.permute(0, 3, 1, 2).contiguous()


class MAGVITv2(nn.Module):
    """The image tokenizer: ``get_code`` (pixels -> codes) and ``decode_code`` (codes -> pixels)."""

    def __init__(self, cfg: MagvitConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg or MagvitConfig()
        self.encoder = Encoder(self.cfg)
        self.decoder = Decoder(self.cfg)
        self.quantize = LookupFreeQuantizer(self.cfg.z_channels)

    def load_published(self, folder) -> None:
        """Load a ``showlab/magvitv2`` folder strictly (the quantiser tables are saved too)."""
        from methods.showo.model import load_strict, read_state_dict

        load_strict(self, read_state_dict(folder), f"checkpoint in {folder}", "MAGVIT-v2")

    @torch.no_grad()
    def get_code(self, pixels: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], (B, 3, H, W) -> codes (B, (H/f)*(W/f))."""
        return self.quantize.codes(self.encoder(pixels))

    @torch.no_grad()
    def decode_code(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes (B, n) with n a square -> images (B, 3, H, W), about [-1, 1]."""
        side = round(codes.shape[-1] ** 0.5)
        dtype = next(self.decoder.parameters()).dtype
        z = self.quantize.lookup(codes.clamp(0, 2**self.cfg.z_channels - 1), side).to(dtype)
        return self.decoder(z)
