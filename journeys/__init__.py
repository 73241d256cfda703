"""Programs and paths: journey templates, the journeys that follow them, and the engine.

Owns the program and journey pages, journey instances and their progress,
participants' profiles, and ``journeys.engine``, the pure function that turns a
journey's record into its state.

Depends on content; matching and insights import from here, never the other way.
"""
