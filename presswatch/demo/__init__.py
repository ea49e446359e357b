"""The bundled replay of the Sora-leak coverage: static site files, ground truth and a server."""
