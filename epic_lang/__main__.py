import sys

from epic_lang.cli import main

sys.exit(main())
