"""Make the bench's django-oscar shop: `python load_catalog.py CSV IMAGES UPC` (run with bench/oscar/.venv).

With Oscar's own commands, as its sandbox is made: `migrate`, `oscar_import_catalogue` (a CSV of
product class, category breadcrumbs, UPC, title, description, partner, SKU, price and stock: the
shop's demo catalog, written by the bench), `oscar_import_catalogue_images` (one picture per
product, named by its UPC) and Haystack's `rebuild_index`. Prints, as JSON, the paths the bench
measures (the product with that UPC, and the catalogue) and what was loaded.
"""
import json
import logging
import os
import sys

import django


def main(csv_path: str, images: str, upc: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchshop.settings")
    django.setup()
    from django.core.management import call_command
    from django.urls import reverse
    from oscar.core.loading import get_model

    # The importers log every row at INFO; the bench's output is its table.
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("oscar_import_catalogue", csv_path)
    call_command("oscar_import_catalogue_images", images)
    call_command("rebuild_index", interactive=False, verbosity=0)

    product_model, category_model = get_model("catalogue", "Product"), get_model("catalogue", "Category")
    image_model = get_model("catalogue", "ProductImage")
    print(json.dumps({
        "product": product_model.objects.get(upc=upc).get_absolute_url(),
        "catalogue": reverse("catalogue:index"),
        "products": product_model.objects.count(),
        "categories": category_model.objects.count(),
        "images": image_model.objects.count(),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
