"""The Gradio tabs of LLM Playground: thin wiring over `core/`."""
