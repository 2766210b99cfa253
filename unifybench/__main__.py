from unifybench.cli import main

raise SystemExit(main())
