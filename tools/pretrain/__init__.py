"""Scripts that make the pretrained weights assignment 3 ships (each records its command and wall time)."""
