import sys

from taskrun_gui.app import main

sys.exit(main())
