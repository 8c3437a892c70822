"""Road networks: import (OSM, centre-line files), speed profiles, CSR graph, travel-time
kernels, snapping."""
