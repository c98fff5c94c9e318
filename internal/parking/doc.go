// Package parking is the parking campaign (停车难): the registry of car
// parks, staggered sharing of public buildings' and compounds' spaces
// (错时开放), supply projects (加法/减法), live occupancy pushed by car-park
// systems, search near a destination for an arrival time and stay, served
// from an in-memory spatial index, reservations held in a per-slot capacity
// ledger that never overbooks, and open feeds and deep links into the map
// apps (除法).
package parking
