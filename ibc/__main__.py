from ibc.cli import main

raise SystemExit(main())
