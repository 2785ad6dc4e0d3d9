"""The conflicts assessment of a framework's procurement: who acts in it, what each has declared,
what is done about each conflict, and when an officer last confirmed it reviewed (Procurement Act
2023 ss.81–83; Public Contracts (Scotland) Regulations 2015 reg. 24)."""
