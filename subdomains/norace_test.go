//go:build !race

package subdomains

const raceEnabled = false
