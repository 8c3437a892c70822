"""equipment domain: items with RFID/EPC tags, lifecycle, maintenance, vehicle replacement and
compliance with the station equipment standard."""
