import sys

from taskrun_gui.cli import main

sys.exit(main())
