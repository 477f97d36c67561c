import sys

from r2pwatch.cli import main

sys.exit(main())
