"""Pages composed from several domains, above all of them: they may read every stage, and no domain imports them."""
