from composemigrate.cli import main

raise SystemExit(main())
