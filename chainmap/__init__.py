"""The industrial chain: definitions, the networkx graph, analyses and chain pages."""
