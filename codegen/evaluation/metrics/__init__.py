"""Metrics per language family: tldr (DocPrompting), Bash, Ansible, Fortran, CodeBLEU, LM likelihood."""
