//! Short fixed-length ASCII values kept inline: a code, a member key or a
//! masked card is copied into every reservation, index entry and log entry a
//! store holds, so none of them is a heap allocation of its own (the
//! embedded store holds millions; start-up and memory follow).

/// `N` ASCII bytes, checked ASCII when made; reads as a `&str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Ascii<const N: usize>([u8; N]);

impl<const N: usize> Ascii<N> {
    /// `s` if it is `N` ASCII bytes.
    pub(super) fn new(s: &str) -> Option<Self> {
        (s.len() == N && s.is_ascii()).then(|| Self(s.as_bytes().try_into().expect("N bytes")))
    }

    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("checked ASCII when made")
    }
}

impl<const N: usize> std::fmt::Debug for Ascii<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> serde::Serialize for Ascii<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_n_ascii_bytes() {
        assert_eq!(Ascii::<3>::new("abc").unwrap().as_str(), "abc");
        assert!(Ascii::<3>::new("ab").is_none());
        assert!(Ascii::<3>::new("abcd").is_none());
        // Three bytes, but not ASCII.
        assert!(Ascii::<3>::new("票").is_none());
        assert_eq!(format!("{:?}", Ascii::<2>::new("ok").unwrap()), "\"ok\"");
        assert!(Ascii::<1>::new("a") < Ascii::<1>::new("b"));
    }
}
