"""Base-die RTL: rendered from the Jinja templates in rtl_templates/."""
