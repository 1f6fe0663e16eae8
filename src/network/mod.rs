//! Walking distance along streets (being written).
