"""Autograd Lab benchmark: `python -m bench` starts real servers and prints figures."""
