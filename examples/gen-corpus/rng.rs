//! The one source of randomness: a seeded splitmix64 stream, so every corpus is a function
//! of its flags.

/// A splitmix64 generator. Separate streams of one seed (`Rng::new(seed, stream)`) keep the
/// parts of the corpus independent: drawing more in one never shifts another.
pub struct Rng {
    s: u64,
}

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng {
            s: seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03),
        };
        r.next();
        r
    }
    #[inline]
    pub fn next(&mut self) -> u64 {
        self.s = self.s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.s)
    }
    /// Uniform in `0..n` (multiply-shift: no modulo bias worth the name, no loop).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    #[inline]
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }
    /// One value, chosen with probability proportional to its weight.
    pub fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> T {
        let total: u32 = xs.iter().map(|x| x.1).sum();
        let mut r = self.below(total as u64) as u32;
        for &(v, w) in xs {
            if r < w {
                return v;
            }
            r -= w;
        }
        xs[xs.len() - 1].0
    }
    /// `n` upper-case hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        for _ in 0..n {
            s.push(HEX[self.below(16) as usize] as char);
        }
        s
    }
}

#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `n` hex digits that depend only on `seed`: certificate serials and thumbprints stay
/// the same whatever else the generator draws.
pub fn hash_hex(seed: u64, n: usize) -> String {
    let mut r = Rng::new(seed, 77);
    r.hex(n)
}
