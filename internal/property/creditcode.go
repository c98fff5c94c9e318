package property

import "strings"

// Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters
// from creditChars; the 18th is a check character over the first 17.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode trims spaces and upper-cases what people type.
func NormalizeCreditCode(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// CreditCheckChar returns the check character for the first 17 characters of
// a code, and false when one of them is not a code character.
func CreditCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditChars, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditChars[c], true
}

// ValidCreditCode tells whether s (already normalised) is a well-formed code
// whose check character is right.
func ValidCreditCode(s string) bool {
	return checkCreditCode(s) == ""
}

// checkCreditCode explains what is wrong with s: "" if nothing, "length",
// "chars" (a character outside the code alphabet: I, O, S, V, Z, lower case,
// punctuation) or "check" (the 18th character does not match).
func checkCreditCode(s string) string {
	if len(s) != 18 {
		return "length"
	}
	c, ok := CreditCheckChar(s[:17])
	if !ok || strings.IndexByte(creditChars, s[17]) < 0 {
		return "chars"
	}
	if c != s[17] {
		return "check"
	}
	return ""
}

// creditCodeError is the field error for a bad code, or nil.
func creditCodeError(field, s string) *fieldError {
	switch checkCreditCode(s) {
	case "":
		return nil
	case "length":
		if s == "" {
			return required(field)
		}
		return ferr(field, "invalid", "统一社会信用代码应为 18 位", "a unified social credit code has 18 characters")
	case "chars":
		return ferr(field, "invalid", "含有代码中不使用的字符（不使用 I、O、S、V、Z）",
			"contains a character codes do not use (no I, O, S, V or Z)")
	default:
		return ferr(field, "check", "校验码不符，请核对代码", "the check character does not match; please check the code")
	}
}
