package config

import "strings"

// closest returns the candidate nearest to name, when one is near enough
// to be the key that was meant: at most one edit for a name of up to four
// characters, two up to eight, three beyond. Case and "-" for "_" do not
// count as edits. Ties go to the earlier candidate.
func closest(name string, candidates []string) (string, bool) {
	n := normalizeKey(name)
	limit := 1
	switch l := len([]rune(n)); {
	case l > 8:
		limit = 3
	case l > 4:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(n, normalizeKey(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

func normalizeKey(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "-", "_")
}

// editDistance is the optimal-string-alignment distance between a and b:
// the insertions, deletions, substitutions and swaps of two neighbours
// that turn one into the other ("smtp_hots" is one swap from "smtp_host").
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
