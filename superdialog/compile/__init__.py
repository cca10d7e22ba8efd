"""Spec → compiled ``Flow``: graph checks, compiled templates, one shared machine."""
