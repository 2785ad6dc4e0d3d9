"""What every handler may be given by name rather than fetch (registry.app.DEPENDENCIES)."""

from litestar.di import NamedDependency

from registry.settings import Settings

# A handler's `settings`: those the app was made with.
AppSettings = NamedDependency[Settings]
