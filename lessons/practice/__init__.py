"""Practice: predict-then-run exercises and gradient puzzles, and how they are judged."""
