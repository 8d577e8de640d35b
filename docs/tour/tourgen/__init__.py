"""The parts of ``docs/tour/generate.py``: its shared helpers and the chapters, a module per chapter or group.

    kit                             the registries (blocks, chapters), the text helpers, the lesson links
    ch01_02_by_hand                 1. the 2-2-1 network's forward pass; 2. one backprop step, every number
    ch03_04_matrices_and_losses     3. from scalars to matrices; 4. losses and their shortcuts
    ch05_07_training                5. training; 6. generalization; 7. Overclock
    ch08_loops_against_vectors      8. loops against vectors (the figures of benchmarks/RESULTS.md)
    ch09_twins_agree                9. how we know the twins agree
    ch10_questions                  10. questions and answers, and the exercise session

Each chapter module holds its block functions (``@block``: what fills a
``{{name}}``) and its templates (``@chapter``: the docstring is the text).
Importing a chapter module registers them; ``generate.py`` imports them in
chapter order, which is the order of the tour.
"""
