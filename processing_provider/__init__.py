"""Processing provider "Deep Pansharpen" and its algorithms (imported only by ``initProcessing``)."""
