from ocppgen.cli import main

raise SystemExit(main())
