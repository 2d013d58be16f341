// Registers every task area; each file holds one area.
