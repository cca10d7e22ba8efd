"""The per-call machine: turn loop, effects, slot filling, actions, LLM states."""
