"""Recipes are plain data plus a driver: ``scalar_nn.recipes`` serves both twins.

``scalar_nn.recipes.run(name, twin="vector")`` builds and trains the vector
twin; nothing here is array math, so this module only re-exports it.
"""

from scalar_nn.recipes import (  # noqa: F401  (re-exported)
    RECIPES,
    Recipe,
    RecipeResult,
    compare,
    get,
    load_data,
    make_net,
    make_optimizer,
    overclock_ab,
    run,
    score,
)
