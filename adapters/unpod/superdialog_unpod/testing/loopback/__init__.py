"""The SDK's runner path, offline: a fake orchestrator and speech worker on loopback.

``records`` (what the worker saw), ``plumbing`` (what both fakes share),
``orchestrator`` (the control plane the runner registers with), ``worker``
(the bridge it dials, playing a scripted caller), ``facade`` (``UnpodLoopback``,
the one object tests use).
"""
