#!/bin/sh
# Habit-compatible wrapper: fetch the course datasets (see get_datasets.py --help).
exec "${PYTHON:-python3}" "$(dirname "$0")/get_datasets.py" "$@"
