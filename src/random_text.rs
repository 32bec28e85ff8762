//! Texts made of pieces picked pseudo-randomly, the same on every run: the
//! input of the tests that hold a fast form of a function to its plain form.

/// `count` texts, each of 1 to `most` of `pieces`, picked by a linear
/// congruential generator started at `seed`.
pub fn texts<'p>(
    pieces: &'p [&'p str],
    most: usize,
    seed: u64,
    count: usize,
) -> impl Iterator<Item = String> + 'p {
    let mut state = seed;
    let mut below = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    (0..count).map(move |_| {
        let len = 1 + below(most);
        (0..len).map(|_| pieces[below(pieces.len())]).collect()
    })
}
