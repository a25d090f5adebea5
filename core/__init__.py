"""The GPT engine of LLM Playground: model, tokenizers, data, training, generation.

Read it like a textbook, module by module: config → model → tokenizer → data →
sampling → generate → checkpoint → pretrained. Nothing here imports a UI library.
"""
