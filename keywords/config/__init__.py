"""The configuration layer: environments in YAML (``environments``), what each section may hold (pydantic models in
``settings_models``), which environment a run targets, and ``ConfigLibrary``, the product's ConfigManager as keywords
(PZ-13807)."""
