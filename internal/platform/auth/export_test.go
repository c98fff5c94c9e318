package auth

// HoldHashSlots takes n of s's password-check slots, as n long checks
// would, until release is called.
func HoldHashSlots(s *Service, n int) (release func()) {
	slots := s.slots()
	for range n {
		slots <- struct{}{}
	}
	return func() {
		for range n {
			<-slots
		}
	}
}
