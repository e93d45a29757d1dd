from ibc.commands.cli import main

raise SystemExit(main())
