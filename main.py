import sys

from taskrun_gui.app import main

if __name__ == "__main__":  # a search's worker processes import this module as __mp_main__
    sys.exit(main())
