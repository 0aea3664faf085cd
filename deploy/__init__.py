"""Serving recipes: nginx in front of several processes (nginx.conf, local.py), Kubernetes."""
