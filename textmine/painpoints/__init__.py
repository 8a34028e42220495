"""painpoints"""
