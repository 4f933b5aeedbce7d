// Page layer, ISOLATED world: relays the MAIN-world wrapper's questions to the background (placeholder until the page layer lands).
