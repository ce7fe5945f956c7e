//! The result every validator returns, the Rust twin of `piiscan.validators.base.Verdict`.

/// How strong the evidence of a validated match is, before context is considered.
///
/// The discriminants are the values of the Python `Strength` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    Low = 1,
    Medium = 2,
    High = 3,
}

/// A fact about a validated value beyond its strength.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// A published test number (Skatteverket, Bankgirot, card providers, PTS).
    TestIdentity,
    /// A Skatteverket test samordningsnummer whose date cannot exist (31 April).
    ImpossibleDate,
    /// A Nordea personkonto whose account number is the holder's personnummer.
    PersonnummerAccount,
    /// An RFC 2606 reserved e-mail domain.
    ReservedDomain,
}

impl Flag {
    /// The flag's name as the inventory records it.
    pub fn name(self) -> &'static str {
        match self {
            Flag::TestIdentity => "test_identity",
            Flag::ImpossibleDate => "impossible_date",
            Flag::PersonnummerAccount => "personnummer_account",
            Flag::ReservedDomain => "reserved_domain",
        }
    }
}

/// A candidate that passed validation.
///
/// `normalized` is the canonical form used only for keyed hashing; `Debug` leaves it out so
/// that no log or panic message can carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct Verdict {
    pub normalized: String,
    pub strength: Option<Strength>,
    pub flags: Vec<Flag>,
}

impl Verdict {
    /// A verdict with the given strength and flags.
    pub fn new(normalized: String, strength: Strength, flags: Vec<Flag>) -> Self {
        Verdict {
            normalized,
            strength: Some(strength),
            flags,
        }
    }

    /// A verdict whose only possible flag is `test_identity`, set when `is_test` holds.
    pub fn with_test_flag(normalized: String, strength: Strength, is_test: bool) -> Self {
        let flags = if is_test {
            vec![Flag::TestIdentity]
        } else {
            Vec::new()
        };
        Verdict::new(normalized, strength, flags)
    }

    /// True when the verdict carries `flag`.
    pub fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}

impl std::fmt::Debug for Verdict {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Verdict")
            .field("strength", &self.strength)
            .field("flags", &self.flags)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let verdict = Verdict::with_test_flag("198506012387".into(), Strength::High, true);
        let shown = format!("{verdict:?}");
        assert!(!shown.contains("2387"), "{shown}");
        assert!(shown.contains("TestIdentity"));
    }
}
