from msnet.cli import main

raise SystemExit(main())
