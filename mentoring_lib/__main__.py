import sys

from mentoring_lib.cli import main

sys.exit(main())
