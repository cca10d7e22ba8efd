"""Hosts: the Unpod session (primary) and a console host; the core never imports them."""
