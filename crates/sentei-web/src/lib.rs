//! sentei-web: the web application — Japanese pages and a JSON API over the same core rules
//! and store. (The pages and the API arrive in the commits that follow.)
