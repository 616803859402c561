"""Scene adaptation of the deep engines: fine-tuning a network on the user's scene at reduced resolution.

``panadapter_adapt`` (PanAdapter) and ``infn_adapt`` (INFN).  The engine methods (core.methods) decide when to
adapt and call these; this package imports models, never methods.  Importing a module here imports torch.
"""
